-- Run once by the postgres image when its data volume is new (docker-entrypoint-initdb.d).
-- One database per service; scripts/run.py creates the same five for local runs.
CREATE DATABASE qihang_gateway;
CREATE DATABASE qihang_registry;
CREATE DATABASE qihang_placement;
CREATE DATABASE qihang_subsidy;
CREATE DATABASE qihang_reporting;
