-- Nexmark's tables generated in-process by the `nexmark` source (crates.io `nexmark` 0.2,
-- base time 2023-01-01T00:00:00Z): the same rows as the JSON files of ../shared/nexmark/gen.
-- ${NEXMARK_EVENTS} events in all (person:auction:bid = 1:3:46), cut into batches of
-- ${NEXMARK_EVENTS_PER_BATCH} events; every table's batch covers the same event-time range.
-- The 1 s watermark is Spark's (withWatermark("dateTime", "1 second")); queries without
-- stateful operators ignore it.
CREATE TABLE person (WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH (
  connector = 'nexmark', table = 'person',
  numEvents = '${NEXMARK_EVENTS}', eventsPerBatch = '${NEXMARK_EVENTS_PER_BATCH}');
CREATE TABLE auction (WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH (
  connector = 'nexmark', table = 'auction',
  numEvents = '${NEXMARK_EVENTS}', eventsPerBatch = '${NEXMARK_EVENTS_PER_BATCH}');
CREATE TABLE bid (WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH (
  connector = 'nexmark', table = 'bid',
  numEvents = '${NEXMARK_EVENTS}', eventsPerBatch = '${NEXMARK_EVENTS_PER_BATCH}');
