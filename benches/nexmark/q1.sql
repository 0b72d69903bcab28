-- Nexmark q1, currency conversion: each bid's price in euros.
-- (Spark types 0.908 * price as decimal(24,3).)
-- mode: append
INSERT INTO nexmark SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid;
