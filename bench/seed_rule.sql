-- The seed rule's DnsEvents branches (1: external zone transfer attempts, 2: bulk external
-- enumeration) in plain DuckDB SQL, no Python UDFs, for the benchmark (bench/run). It follows the
-- differential oracle crates/reconwatch/tests/differential/seed_duckdb.py, which uses Python UDFs
-- (exact but row-at-a-time, far too slow to time): the same interpretations, written as macros.
--   * privacy by CIDR: 10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, ::1, fc00::/7, fe80::/10,
--     IPv4-mapped IPv6 as its IPv4 address (addresses are assumed well-formed and in canonical
--     text form, as the generator writes them);
--   * query types compared as numbers (AXFR = 252 = TYPE252, ANY = 255 = *);
--   * names compared case-insensitively without the trailing dot, dcount exact;
--   * bin(TimeGenerated, 10m) as floor(epoch / 600 s).
-- `{csv}` is replaced by the input path. Branch 3 (DeviceProcessEvents) is not part of the benchmark.

CREATE MACRO v4_private(ip) AS
  ip LIKE '10.%' OR ip LIKE '192.168.%' OR ip LIKE '127.%' OR ip LIKE '169.254.%'
  OR (ip LIKE '172.%' AND TRY_CAST(split_part(ip, '.', 2) AS INTEGER) BETWEEN 16 AND 31);

CREATE MACRO is_private(ip) AS CASE
  WHEN ip IS NULL OR ip = '' THEN false
  WHEN contains(ip, ':') THEN lower(ip) = '::1' OR regexp_matches(lower(ip), '^(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):')
    OR (lower(ip) LIKE '::ffff:%.%' AND v4_private(substr(ip, 8)))
  ELSE v4_private(ip) END;

CREATE MACRO qtype_num(s) AS coalesce(TRY_CAST(s AS INTEGER), CASE upper(s)
  WHEN 'A' THEN 1 WHEN 'NS' THEN 2 WHEN 'SOA' THEN 6 WHEN 'PTR' THEN 12 WHEN 'MX' THEN 15 WHEN 'TXT' THEN 16
  WHEN 'AAAA' THEN 28 WHEN 'SRV' THEN 33 WHEN 'IXFR' THEN 251 WHEN 'AXFR' THEN 252 WHEN 'ANY' THEN 255
  WHEN '*' THEN 255 ELSE CASE WHEN upper(s) LIKE 'TYPE%' THEN TRY_CAST(substr(s, 5) AS INTEGER) ELSE -1 END END);

-- One scan of the file; both branches read only the external queries of the types they need.
CREATE TEMP TABLE ext AS
  SELECT TimeGenerated, Computer, ClientIP, Name, QueryType, ResultCode, qtype_num(QueryType) AS qt
  FROM read_csv('{csv}', header = true, columns = {
    'TimeGenerated': 'TIMESTAMP', 'Computer': 'VARCHAR', 'ClientIP': 'VARCHAR', 'Name': 'VARCHAR',
    'QueryType': 'VARCHAR', 'ResultCode': 'VARCHAR'})
  WHERE qtype_num(QueryType) IN (2, 6, 15, 16, 251, 252, 255) AND NOT is_private(ClientIP);

-- Branch 1
CREATE TEMP TABLE zone AS
  SELECT TimeGenerated, Computer, ClientIP, Name, QueryType, ResultCode,
         'External DNS Zone Transfer Attempt' AS AlertType, 90 AS RiskScore
  FROM ext WHERE qt IN (251, 252, 255);

-- Branch 2
CREATE TEMP TABLE bulk AS
  SELECT min(TimeGenerated) AS TimeGenerated, Computer, ClientIP, count(*) AS QueryCount,
         count(DISTINCT lower(CASE WHEN ends_with(Name, '.') THEN left(Name, length(Name) - 1) ELSE Name END))
           AS UniqueNames,
         list(DISTINCT QueryType) AS QueryTypes, 'Bulk External DNS Enumeration' AS AlertType, 70 AS RiskScore
  FROM ext WHERE qt IN (2, 15, 16, 6, 255, 252)
  GROUP BY ClientIP, lower(Computer), Computer, epoch_ms(TimeGenerated) // 600000
  HAVING QueryCount > 30 OR UniqueNames > 20;
