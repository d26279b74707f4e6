import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantsOf, GpuProcessWatch, gpuProcessesUnder, parentOf } from './gpu-process.ts';

let proc: string;
beforeEach(async () => {
  proc = await mkdtemp(join(tmpdir(), 'zizhu-proc-'));
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

/** A process as /proc shows it: `stat` (pid, comm, state, ppid …) and a NUL-separated `cmdline`. */
async function process(pid: number, ppid: number, args: string[], state = 'S') {
  await mkdir(join(proc, String(pid)), { recursive: true });
  await writeFile(join(proc, String(pid), 'stat'), `${pid} (chromium) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 0 0`);
  await writeFile(join(proc, String(pid), 'cmdline'), `${args.join('\0')}\0`);
}
const gone = (pid: number) => rm(join(proc, String(pid)), { recursive: true, force: true });

/** The tree headless Chromium has here: browser → zygotes → GPU process, renderers; a utility child of the browser. */
async function chromiumTree() {
  await process(100, 1, ['/usr/lib/chromium/chromium', '--headless=new']);
  await process(101, 100, ['/usr/lib/chromium/chromium', '--type=zygote', '--no-zygote-sandbox']);
  await process(102, 100, ['/usr/lib/chromium/chromium', '--type=zygote']);
  // a zygote child rewrites its command line (setproctitle): one string, spaces between the arguments
  await mkdir(join(proc, '110'));
  await writeFile(join(proc, '110', 'stat'), '110 (chromium) S 101 100 100 0 -1 4194560 0 0');
  await writeFile(join(proc, '110', 'cmdline'), '/usr/lib/chromium/chromium --type=gpu-process --use-angle=swiftshader-webgl\0');
  await process(111, 100, ['/usr/lib/chromium/chromium', '--type=utility', '--utility-sub-type=network.mojom.NetworkService']);
  await process(120, 102, ['/usr/lib/chromium/chromium', '--type=renderer', '--not--type=gpu-process-really']);
  // someone else's GPU process: never looked at
  await process(900, 1, ['/usr/lib/chromium/chromium', '--type=gpu-process']);
}

describe('the browser process tree', () => {
  it('parentOf reads the ppid after the command name, whatever the name holds', () => {
    expect(parentOf('4242 (Chrome_ChildIOT) S 4200 4200 4200 0')).toBe(4200);
    expect(parentOf('77 (a) b) (c) R 5 77 77')).toBe(5);
    expect(parentOf('garbage')).toBeNull();
  });

  it('descendantsOf walks children of children', () => {
    const tree = new Map([[2, 1], [3, 2], [4, 3], [5, 1], [6, 99]]);
    expect(descendantsOf(1, tree).sort()).toEqual([2, 3, 4, 5]);
    expect(descendantsOf(6, tree)).toEqual([]);
  });

  it('finds the GPU process below the browser (a grandchild, under the zygote), not another browser\'s', async () => {
    await chromiumTree();
    expect(await gpuProcessesUnder(100, proc)).toEqual([110]);
    expect(await gpuProcessesUnder(4242, proc)).toEqual([]);
  });
});

describe('GpuProcessWatch', () => {
  function watch(browser: () => number | null) {
    const reports: string[] = [];
    const logged: string[] = [];
    const w = new GpuProcessWatch({ browserPid: browser, onGone: (d) => reports.push(d), procDir: proc, log: { info: (m) => logged.push(m) } });
    return { w, reports, logged };
  }

  it('the GPU process gone while the browser lives is reported, and up again once Chromium starts another', async () => {
    await chromiumTree();
    const { w, reports } = watch(() => 100);
    expect(w.up).toBeNull();
    await w.check();
    expect(w.up).toBe(true);
    await gone(110);
    await w.check();
    expect(reports).toEqual(['GPU process 110 of browser 100 is gone; none runs now']);
    expect(w.up).toBe(false);
    await process(130, 101, ['/usr/lib/chromium/chromium', '--type=gpu-process']);
    await w.check();
    expect(w.up).toBe(true);
    expect(reports).toHaveLength(1);
  });

  it('a GPU process replaced between two looks is still a crash', async () => {
    await chromiumTree();
    const { w, reports } = watch(() => 100);
    await w.check();
    await gone(110);
    await process(131, 101, ['/usr/lib/chromium/chromium', '--type=gpu-process']);
    await w.check();
    expect(reports).toEqual(['GPU process 110 of browser 100 is gone; Chromium started 131']);
  });

  it('the browser itself gone (or a zombie), or a new browser: no GPU report (the browser exit is the shell\'s)', async () => {
    await chromiumTree();
    let browser: number | null = 100;
    const { w, reports } = watch(() => browser);
    await w.check();
    await process(100, 1, ['/usr/lib/chromium/chromium'], 'Z');
    await gone(110);
    await w.check();
    browser = null;
    await w.check();
    browser = 200;
    await process(200, 1, ['/usr/lib/chromium/chromium']);
    await w.check();
    expect(reports).toEqual([]);
    expect(w.up).toBeNull();
  });

  it('a browser without a GPU process is said once and not judged', async () => {
    await process(100, 1, ['/usr/lib/chromium/chromium']);
    const { w, reports, logged } = watch(() => 100);
    await w.check();
    await w.check();
    expect(w.up).toBeNull();
    expect(reports).toEqual([]);
    expect(logged).toEqual(['chromium shell: no GPU process under browser 100 (yet): GPU crashes are judged once one appears']);
  });
});
