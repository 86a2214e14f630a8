-- The linkage a load made, as bytes (`famgraph_link::stored`), so a
-- server opening the load reads it back instead of linking again. `key`
-- is the SHA-256 of the records, relationships and corrections it was
-- made from and of the famgraph that made it: a server whose records or
-- corrections differ links again. Not for analysts: `links` and
-- `link_model` say the same in rows.
CREATE TABLE stored_linkage (
    key VARCHAR NOT NULL,
    body BLOB NOT NULL
);

-- The people, households, families and relationships built from that
-- linkage, as bytes (`famgraph_graph::stored`), under the same key: a
-- server that reads the linkage back reads these too instead of building
-- them again. Not for analysts: `people` and `families` say the same.
CREATE TABLE stored_graph (
    key VARCHAR NOT NULL,
    part BIGINT NOT NULL,
    body BLOB NOT NULL
);
