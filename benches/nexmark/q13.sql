-- Nexmark q13, bounded side input join: each bid enriched with the side input's value
-- for auction % 10000 (a stream-static join; Flink reads side_input.txt, a CSV of
-- key,value). The harness must declare the `side_input` table.
-- mode: append
INSERT INTO nexmark
SELECT B.auction, B.bidder, B.price, B.dateTime, S.value
FROM bid AS B INNER JOIN side_input AS S ON B.auction % 10000 = S.key;
