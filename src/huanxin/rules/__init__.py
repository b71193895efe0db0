"""The one rules engine of every domain that decides money by rules (../shared/DESIGN.md, "Rules
engines"): dated parameters citing their notice (`parameters`), the trace a decision carries
(`trace`), decision cases as YAML data (`cases`), exact amounts in fen (`amounts`) and JSON Lines
reading for the `evaluate` commands (`jsonlines`). A domain adds its parameter files, its named rule
functions and its case files: `huanxin.tradein.rules`, `huanxin.projects.funding`."""
