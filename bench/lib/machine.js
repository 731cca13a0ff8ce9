// What the figures were measured on: printed at the top of every bench run.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';

function fsType(path) {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', path], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo() {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    cpus: list.length,
    parallelism: availableParallelism(),
    cpuModel: list[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
    memGiB: (totalmem() / 1024 ** 3).toFixed(1),
    tmpdir: tmpdir(),
    tmpFs: fsType(tmpdir()),
  };
}

export function printMachine() {
  const m = machineInfo();
  console.log(`# mltrack benchmarks  ${m.date}`);
  console.log(`machine: ${m.cpus} cpus (available parallelism ${m.parallelism}), ${m.cpuModel}, ${m.memGiB} GiB RAM`);
  console.log(`node ${m.node} on ${m.platform}; temp dirs in ${m.tmpdir} (${m.tmpFs})`);
  return m;
}
