-- Half of every deliveries page stays free for new versions of its rows. Claiming a delivery
-- changes only its lease (lease_owner, lease_until), which no index covers, so with room on the
-- page PostgreSQL writes the new version there as a heap-only tuple: no entry in any of the five
-- indexes, about half the server's work of a claim. Inserts leave the room; existing pages keep
-- theirs as they are (a later VACUUM FULL or CLUSTER would apply it to them too).
ALTER TABLE deliveries SET (fillfactor = 50);
