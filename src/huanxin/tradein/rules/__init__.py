"""Trade-in rules as code: dated parameters (`parameters/*.yaml`), programmes as data
(`programmes/*.yaml`), small named rule functions per kind (`kinds/`), decision cases as data
(`cases/*.yaml`). Entry points: `engine.evaluate`, `batch.evaluate_batch`, `whatif.what_if`,
`huanxin.tradein.claims.line_evaluation` (the `huanxin tradein evaluate` command). The generic pieces
(parameter store, trace, decision-case runner) are the shared engine `huanxin.rules`. See docs/tradein.md."""
