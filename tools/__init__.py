"""Tools that measure and break the running site: `make bench` (tools/bench),
`make faults` (tools/faults) and the query-plan helpers they share with the
tests. Outside the runtime graph: nothing in the project imports them, and
production never loads them."""
