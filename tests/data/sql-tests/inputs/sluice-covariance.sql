-- Sluice's own cases: corr, covar_pop, covar_samp (answered by pyspark 4.3).
CREATE OR REPLACE TEMPORARY VIEW pts AS SELECT * FROM VALUES ('a', 1, 2.0), ('a', 2, 4.5), ('a', 3, 5.5), ('a', NULL, 7.0), ('b', 5, 1.0), ('b', 5, 3.0), ('c', 7, NULL), ('d', 4, 4.0), ('d', 6, 2.0), ('d', 9, 1.5), ('d', 10, 0.25) AS pts(k, x, y);
SELECT k, corr(x, y), covar_pop(x, y), covar_samp(x, y) FROM pts GROUP BY k ORDER BY k;
SELECT corr(x, y), covar_pop(x, y), covar_samp(x, y), corr(y, x), corr(x, x) FROM pts;
SELECT corr(DISTINCT x, y), covar_samp(DISTINCT x, y) FROM pts;
SELECT corr(x, y) FROM pts WHERE false;
SELECT k, corr(x, y) OVER (PARTITION BY k) FROM pts WHERE k = 'd' ORDER BY x;
SELECT corr(CAST(x AS DECIMAL(10, 2)), CAST(y AS BIGINT)) FROM pts;
SELECT corr(k, x) FROM pts;
SELECT corr(x) FROM pts;
