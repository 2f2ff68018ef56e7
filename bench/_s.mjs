import pg from "pg";
const c = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
await c.connect();
const end = Date.now() + Number(process.argv[2] ?? 40) * 1000;
while (Date.now() < end) {
  const r = await c.query(`select state, wait_event_type, wait_event, left(query, 90) q, count(*) n from pg_stat_activity where datname like 'sg_me_%' group by 1,2,3,4 order by n desc limit 6`);
  if (r.rows.length) console.log(new Date().toISOString().slice(14, 21), r.rows.map((x) => `${x.n}×${x.state}/${x.wait_event ?? "-"}/${x.q.replace(/\s+/g, " ")}`).join(" | "));
  await new Promise((r) => setTimeout(r, 1000));
}
await c.end();
