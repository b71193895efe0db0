// "返回上一页" on the error page: back in the browser's history (without script: the home page).
document.addEventListener('click', function (event) {
  var link = event.target.closest('a[data-back]');
  if (!link || window.history.length < 2) return;
  event.preventDefault();
  window.history.back();
});
