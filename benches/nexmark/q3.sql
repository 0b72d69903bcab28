-- Nexmark q3, local item suggestion: who sells in OR, ID or CA in category 10, and which
-- auctions (the generator's states are lower case). A stream-stream inner join.
-- mode: append
INSERT INTO nexmark
SELECT P.name, P.city, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND P.state IN ('or', 'id', 'ca');
