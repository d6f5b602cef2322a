/** The machine a benchmark ran on, as every result records it and every table prints it. */
import os from 'node:os';

export function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

export type Machine = ReturnType<typeof machine>;

export const machineLine = (m: Machine) => `${m.nproc} CPU (${m.cpu}), ${m.totalMemGiB} GiB, node ${m.node}, ${m.platform}`;
