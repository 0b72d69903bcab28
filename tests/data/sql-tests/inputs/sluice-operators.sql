-- Sluice's own cases (not from apache/spark): the queries operators.sql explains, run.
select 'a' || 1 + 2;
select 1 - 2 || 'b', 2 * 4  + 3 || 'b', 3 + 1 || 'a' || 4 / 2;
select 1 == 1 OR 'a' || 'b' ==  'ab', 'a' || 'c' == 'ac' AND 2 == 3;
select 'x' || 1 * 2 || 'y', 1 + 2 || 3 + 4;
