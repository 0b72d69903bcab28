-- Sluice's own cases (not from apache/spark): aggregates' arguments (two silent wrong answers found by count.sql).
CREATE OR REPLACE TEMPORARY VIEW t AS SELECT * FROM VALUES (1, 1), (1, 2), (2, 1), (1, 1), (null, 2), (1, null), (null, null) AS t(a, b);
SELECT count(a, b), count(DISTINCT a, b), count(DISTINCT b, a), count(DISTINCT 2), count(2), count(DISTINCT 2, 3) FROM t;
SELECT count(DISTINCT a, b) FROM t WHERE a IS NOT NULL GROUP BY b;
SELECT count((a, b)), count(DISTINCT (a, b)) FROM t;
SELECT sum(a, b) FROM t;
SELECT max(a, b) FROM t;
SELECT avg(a, 1) FROM t;
SELECT first(b, true), last(b, true) FROM t;
SELECT first(b), last(b), first(b, false), last(a) FROM t;
SELECT a, first(b), last(b) FROM t GROUP BY a;
CREATE OR REPLACE TEMPORARY VIEW v (x, y) AS SELECT a, b FROM t WHERE a = 2;
SELECT * FROM v;
CREATE OR REPLACE TEMPORARY VIEW w (x) AS SELECT a, b FROM t;
