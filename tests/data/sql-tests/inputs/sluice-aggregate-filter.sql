-- Sluice's own cases (not from apache/spark): aggregates with FILTER (WHERE ..), as Nexmark q15-q17 use them.
CREATE OR REPLACE TEMPORARY VIEW bids AS SELECT * FROM VALUES (1, 10, 50), (1, 11, 20000), (2, 10, 2000000), (2, 12, 70), (2, 12, null), (3, null, 5) AS bids(auction, bidder, price);
SELECT count(*) FILTER (WHERE price < 10000) AS cheap, count(*) AS total, count(DISTINCT bidder) FILTER (WHERE price < 10000) AS cheap_bidders FROM bids;
SELECT auction, sum(price) FILTER (WHERE bidder = 12) AS s, max(price) FILTER (WHERE price < 100) AS m, avg(price) FILTER (WHERE bidder IS NOT NULL) AS a FROM bids GROUP BY auction;
SELECT auction, count(1) FILTER (WHERE price > 1000000) AS n, min(bidder) FILTER (WHERE false) AS none FROM bids GROUP BY auction HAVING count(*) FILTER (WHERE price IS NULL) = 0;
SELECT count(DISTINCT auction, bidder) FILTER (WHERE price >= 50) FROM bids;
SELECT sum(price) FILTER (WHERE price) FROM bids;
SELECT abs(price) FILTER (WHERE price > 0) FROM bids;
SELECT count(*) FILTER (WHERE max(price) > 0) FROM bids;
