"""Supply–demand matching (设备更新供需对接): the equipment taxonomy, product and demand records, the
one explainable score with its hard constraints, the vectorised ranking and its CLI. No tables yet:
the catalogue's tables come with the supply-list pages; records convert from ProjectEquipment rows."""
