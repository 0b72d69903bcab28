-- Nexmark q8, monitor new users: the people who registered and opened an auction in the
-- same 10 s tumbling window (a window aggregate joined with a window aggregate).
-- mode: append
INSERT INTO nexmark
SELECT P.id, P.name, P.window.start AS starttime
FROM (
  SELECT id, name, window
  FROM person
  GROUP BY id, name, window(dateTime, '10 seconds')
) AS P
INNER JOIN (
  SELECT seller, window
  FROM auction
  GROUP BY seller, window(dateTime, '10 seconds')
) AS A
ON P.id = A.seller AND P.window = A.window;
