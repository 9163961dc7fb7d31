"""Importing an authority's returns: the DfE's SSDA903 (children looked after) episodes and
header tables, from CSV into placement events.

- :mod:`files` reads an upload safely (size, encoding, byte-order mark, binary data, columns);
- :mod:`ssda903` checks one row at a time; :mod:`reading` checks each child's rows together;
- :mod:`apply` reconciles each child with the store, chunk by chunk, and records the import;
- :mod:`run` ties them together for the command line (:mod:`cli`) and the web (:mod:`jobs`);
- :mod:`report` is what the officer reads: every rejected row with its line and reason.
"""
