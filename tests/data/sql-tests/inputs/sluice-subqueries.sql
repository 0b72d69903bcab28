-- Sluice's own cases: uncorrelated subqueries in expressions (answered by pyspark 4.3).
CREATE OR REPLACE TEMPORARY VIEW orders AS SELECT * FROM VALUES (1, 'a', 10.5), (2, 'b', 20.0), (3, 'a', 7.25), (4, 'c', NULL), (5, NULL, 3.0) AS orders(id, customer, amount);
CREATE OR REPLACE TEMPORARY VIEW vip AS SELECT * FROM VALUES ('a'), ('c'), (NULL) AS vip(name);
CREATE OR REPLACE TEMPORARY VIEW nobody AS SELECT name FROM vip WHERE false;
SELECT id, amount FROM orders WHERE amount > (SELECT avg(amount) FROM orders) ORDER BY id;
SELECT id, amount - (SELECT min(amount) FROM orders) AS above_min FROM orders ORDER BY id;
SELECT (SELECT max(id) FROM orders) AS top, (SELECT count(*) FROM vip) AS vips;
SELECT (SELECT id FROM orders WHERE id > 100) AS none;
SELECT id FROM orders WHERE customer IN (SELECT name FROM vip) ORDER BY id;
SELECT id FROM orders WHERE customer NOT IN (SELECT name FROM vip) ORDER BY id;
SELECT id FROM orders WHERE customer NOT IN (SELECT name FROM vip WHERE name IS NOT NULL) ORDER BY id;
SELECT id, customer IN (SELECT name FROM nobody) AS in_empty, customer NOT IN (SELECT name FROM nobody) AS not_in_empty FROM orders ORDER BY id;
SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM vip WHERE name = 'c') ORDER BY id;
SELECT count(*) FROM orders WHERE NOT EXISTS (SELECT 1 FROM nobody);
SELECT customer, sum(amount) FROM orders WHERE id IN (SELECT id FROM orders WHERE amount > 5) GROUP BY customer ORDER BY customer;
SELECT (SELECT id FROM orders) AS many;
SELECT id FROM orders WHERE customer IN (SELECT name, name FROM vip);
SELECT id, (SELECT count(*) FROM vip WHERE vip.name = orders.customer) AS correlated FROM orders ORDER BY id;
