"""The stored side of matching: the supply catalogue, its .xlsx sheet, buyers' and suppliers' views, contacts, deals."""
