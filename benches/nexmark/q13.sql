-- Nexmark q13, bounded side input join: each bid enriched with the side input's value
-- for auction % 10000 (a stream-static join; Flink reads side_input.txt, a CSV of
-- key,value; here its 10,000 keys are a static view of range()).
-- mode: append
CREATE TEMPORARY VIEW side_input AS SELECT id AS key, concat('value-', CAST(id AS STRING)) AS value FROM range(10000);
INSERT INTO nexmark
SELECT B.auction, B.bidder, B.price, B.dateTime, S.value
FROM bid AS B INNER JOIN side_input AS S ON B.auction % 10000 = S.key;
