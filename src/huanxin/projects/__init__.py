"""Equipment renewal (设备更新): enterprises, the key project library with equipment lists and its
review chain, funding rules, energy efficiency, the province batch and the lists as Excel."""
