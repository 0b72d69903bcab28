-- Nexmark's tables read from the JSON files that ../shared/nexmark/gen writes (the files
-- Spark read): ${NEXMARK_DIR}/{person,auction,bid}/part-NNNNN.json, with Spark's explicit
-- schemas and maxFilesPerTrigger 5 (4 micro-batches of 20 files). The 1 s watermark is
-- Spark's (withWatermark("dateTime", "1 second")); queries without stateful operators
-- ignore it.
CREATE TABLE person (
  id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING,
  dateTime TIMESTAMP, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND
) WITH (connector = 'file', format = 'json', path = '${NEXMARK_DIR}/person', maxFilesPerTrigger = '5');
CREATE TABLE auction (
  id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND
) WITH (connector = 'file', format = 'json', path = '${NEXMARK_DIR}/auction', maxFilesPerTrigger = '5');
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP,
  extra STRING,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND
) WITH (connector = 'file', format = 'json', path = '${NEXMARK_DIR}/bid', maxFilesPerTrigger = '5');
