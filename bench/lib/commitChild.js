// One mltrack commit in a fresh process, as `mltrack commit` or an auto-commit would run it:
// `node commitChild.js <repo dir> [<experiment id>/<run id>]` prints one JSON line with the time
// of the commit, the CPU time this process spent on it (git processes it ran not included), its
// message's first line and the process's peak memory (on Linux that includes the parent's at fork: bench/commit.js reads GNU time's instead).
import { join } from 'node:path';
import { findRepo } from '../../dist/git/repo.js';
import { commitTracking } from '../../dist/git/trackingCommit.js';

const [dir, run] = process.argv.slice(2);
const experiment = run?.split('/')[0];
// What auto-commit passes for a run that ended: its folder and its experiment's own files.
const paths = run ? [run, ...['meta.yaml', 'tags', 'datasets'].map((p) => `${experiment}/${p}`)] : undefined;
const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
const result = await commitTracking({ repo: findRepo(dir), mlruns: join(dir, 'mlruns'), branch: 'mltrack', paths });
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const { user, system } = process.cpuUsage(cpu);
console.log(JSON.stringify({ ms, cpuMs: (user + system) / 1000, subject: result?.message.split('\n')[0] ?? null, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
