-- Nexmark q11, user sessions: bids per bidder per session (a 10 s gap), sessions
-- emitted once the watermark passes their end.
-- mode: append
INSERT INTO nexmark
SELECT bidder, count(*) AS bid_count, session_window.start AS starttime, session_window.end AS endtime
FROM bid
GROUP BY bidder, session_window(dateTime, '10 seconds');
