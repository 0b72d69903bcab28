-- Nexmark q0, pass through: every bid's auction, bidder, price, dateTime, extra.
-- mode: append
INSERT INTO nexmark SELECT auction, bidder, price, dateTime, extra FROM bid;
