// Clicking "原文" highlights the source paragraph beside the proposal.
document.addEventListener('click', function (event) {
  var link = event.target.closest('a[data-source]');
  if (!link) return;
  event.preventDefault();
  document.querySelectorAll('.doc p.hl').forEach(function (p) { p.classList.remove('hl'); });
  var block = document.getElementById('b-' + link.dataset.source);
  if (block) { block.classList.add('hl'); block.scrollIntoView({block: 'center'}); }
});
