# Sourced by .ci/run: the PostgreSQL the job store's tests also run on, started if it is
# installed locally but stopped. Without one those tests are skipped, not failed.
# T2V_TEST_DATABASE_URL names another server (default postgresql://postgres@127.0.0.1:5432/test).

postgres_answers() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -t 2
}

if ! postgres_answers && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "t2v: PostgreSQL is installed but not running; starting it"
  if command -v systemctl >/dev/null 2>&1 && systemctl start postgresql 2>/dev/null; then :
  elif [ "$(id -u)" = 0 ]; then service postgresql start >/dev/null || true
  else sudo service postgresql start >/dev/null || true
  fi
  for _ in $(seq 30); do postgres_answers && break; sleep 1; done
fi
if ! postgres_answers; then
  echo "t2v: no PostgreSQL answers at 127.0.0.1:5432; the job store's PostgreSQL tests will be skipped" >&2
fi
