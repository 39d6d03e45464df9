/** The report's charts, each built from results.json only (through aggregate.ts). */
import { convergeGroups, drillRows, seriesKeys, type ConvergeGroup } from './aggregate.js';
import { designLabel, formulaSessions, type ResultsFile } from './schema.js';
import { barChart, fmtNum, lineChart, PALETTE, type Series } from './svg.js';

export interface Chart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

const mb = (b: number) => b / 1e6;

function perSeries(groups: ConvergeGroup[], pick: (g: ConvergeGroup) => number | null, unit: string): Series[] {
  return seriesKeys(groups).map((key, i) => ({
    name: key,
    color: PALETTE[i % PALETTE.length],
    points: groups
      .filter((g) => g.seriesKey === key)
      .flatMap((g) => {
        const y = pick(g);
        return y === null ? [] : [{ x: g.nodes, y, label: `${key}, N=${g.nodes}: ${fmtNum(y)} ${unit}` }];
      }),
  }));
}

/** Sessions vs N: the formula for each design as a dashed curve, every run's measured count as a point. */
function sessionsChart(results: ResultsFile): Chart {
  const runs = results.runs.filter((r) => r.converge);
  const designs = [...new Map(runs.map((r) => [designLabel(r.design), r.design])).values()].sort(
    (a, b) => (a.mode === 'mesh' ? 0 : a.reflectors) - (b.mode === 'mesh' ? 0 : b.reflectors),
  );
  const ns = runs.map((r) => r.design.nodes);
  // With a single N (the demo), draw the formula from N/2 to 3N/2 so the curve is still a curve.
  const lo = Math.max(2, Math.min(...ns) === Math.max(...ns) ? Math.floor(Math.min(...ns) / 2) : Math.min(...ns));
  const hi = Math.min(...ns) === Math.max(...ns) ? Math.ceil(Math.max(...ns) * 1.5) : Math.max(...ns);
  const series: Series[] = [];
  designs.forEach((d, i) => {
    const color = PALETTE[i % PALETTE.length];
    const label = designLabel(d);
    const xs = new Set<number>(ns);
    for (let k = 0; k <= 24; k++) xs.add(Math.round(lo + ((hi - lo) * k) / 24));
    series.push({
      name: `${label} formula`,
      style: 'line',
      dashed: true,
      color,
      points: [...xs].filter((n) => n > d.reflectors).map((n) => ({ x: n, y: formulaSessions(d.mode, n, d.reflectors) })),
    });
    series.push({
      name: `${label} measured`,
      style: 'points',
      color,
      points: runs
        .filter((r) => designLabel(r.design) === label)
        .map((r) => ({ x: r.design.nodes, y: r.converge!.sessions.established, label: `${r.id}: ${r.converge!.sessions.established} established` })),
    });
  });
  return {
    id: 'sessions',
    title: 'BGP sessions vs nodes',
    caption: 'Sessions established (points, every run) over the formula for the design (dashed): mesh N(N−1)/2, R reflectors R(N−R)+R(R−1)/2.',
    svg: lineChart({ id: 'chart-sessions', title: 'BGP sessions vs nodes', xLabel: 'nodes (N)', yLabel: 'sessions', series }),
  };
}

/** Every chart the report shows, in order; drill charts only when drills were run. */
export function buildCharts(results: ResultsFile): Chart[] {
  const groups = convergeGroups(results).filter((g) => g.runs > 0);
  const charts: Chart[] = [];
  if (groups.length > 0) {
    charts.push(sessionsChart(results));
    charts.push({
      id: 'convergence-fib',
      title: 'Convergence time vs nodes (kernel FIB)',
      caption: 't0 (every daemon listening) → every node holds every other node’s pod blocks in its kernel FIB. Median over repeats.',
      svg: lineChart({
        id: 'chart-convergence-fib',
        title: 'Convergence: every route in every kernel FIB',
        xLabel: 'nodes (N)',
        yLabel: 'ms from t0',
        series: perSeries(groups, (g) => g.fibMs, 'ms'),
      }),
    });
    // Results measured before fromDeployMs existed have none: no empty chart for them.
    if (groups.some((g) => g.fromDeployMs !== null)) {
      charts.push({
        id: 'from-deploy',
        title: 'Time from deploy vs nodes',
        caption: 'Deploy start (the first namespace) → every node holds every other node’s pod blocks in its kernel FIB: deploy and convergence together. Median over repeats.',
        svg: lineChart({
          id: 'chart-from-deploy',
          title: 'Deploy start to every route in every kernel FIB',
          xLabel: 'nodes (N)',
          yLabel: 'ms from deploy start',
          series: perSeries(groups, (g) => g.fromDeployMs, 'ms'),
        }),
      });
    }
    charts.push({
      id: 'convergence-bgp',
      title: 'Convergence time vs nodes (BGP tables)',
      caption: 't0 → every node holds every other node’s pod blocks in its BGP table. Median over repeats.',
      svg: lineChart({
        id: 'chart-convergence-bgp',
        title: 'Convergence: every route in every BGP table',
        xLabel: 'nodes (N)',
        yLabel: 'ms from t0',
        series: perSeries(groups, (g) => g.bgpMs, 'ms'),
      }),
    });
    charts.push({
      id: 'cpu-per-node',
      title: 'CPU per node',
      caption: 'Mean CPU time (utime+stime) per daemon from start to convergence. Median over repeats.',
      svg: lineChart({
        id: 'chart-cpu-per-node',
        title: 'CPU per daemon, start to convergence',
        xLabel: 'nodes (N)',
        yLabel: 'CPU ms per node',
        series: perSeries(groups, (g) => g.cpuPerNodeMs, 'CPU ms'),
      }),
    });
    const mem: Series[] = [
      ...perSeries(groups, (g) => (g.rssMeanBytes === null ? null : mb(g.rssMeanBytes)), 'MB').map((s) => ({ ...s, name: `${s.name} RSS` })),
      ...perSeries(groups, (g) => (g.pssMeanBytes === null ? null : mb(g.pssMeanBytes)), 'MB').map((s) => ({ ...s, name: `${s.name} PSS`, dashed: true })),
    ];
    charts.push({
      id: 'memory-per-node',
      title: 'Memory per node',
      caption: 'Mean peak RSS (VmHWM, solid) and PSS (smaps_rollup, dashed: shared pages counted once) per daemon. Median over repeats.',
      svg: lineChart({ id: 'chart-memory-per-node', title: 'Memory per daemon', xLabel: 'nodes (N)', yLabel: 'MB', series: mem }),
    });
    charts.push({
      id: 'updates',
      title: 'UPDATE messages vs nodes',
      caption: 'BGP UPDATE messages sent in the whole lab from start to convergence. Median over repeats.',
      svg: lineChart({
        id: 'chart-updates',
        title: 'UPDATE messages vs nodes',
        xLabel: 'nodes (N)',
        yLabel: 'UPDATE messages',
        series: perSeries(groups, (g) => g.updates, 'UPDATEs'),
      }),
    });
  }
  const drills = drillRows(results);
  if (drills.length > 0) {
    const cats = drills.map((d) => `${d.design} ${d.impl} N=${d.nodes} ${d.drill.fault} ${d.drill.target} #${d.run.repeat}`);
    charts.push({
      id: 'drill-losses',
      title: 'Drill outcomes: losses',
      caption: 'Per drill: data-plane probes lost, and the peak number of (node, prefix) pairs missing from kernel FIBs.',
      svg: barChart({
        id: 'chart-drill-losses',
        title: 'Drill outcomes: losses',
        yLabel: 'count',
        categories: cats,
        series: [
          { name: 'probes lost', values: drills.map((d) => d.drill.probes.lost) },
          { name: 'routes lost (peak)', values: drills.map((d) => d.drill.routesLost.peak) },
        ],
      }),
    });
    charts.push({
      id: 'drill-times',
      title: 'Drill outcomes: detection and reconvergence',
      caption: 'Per drill: fault → first peer noticing (detection), and recovery → every route back in every kernel (reconvergence).',
      svg: barChart({
        id: 'chart-drill-times',
        title: 'Drill outcomes: detection and reconvergence',
        yLabel: 'ms',
        categories: cats,
        series: [
          { name: 'detection ms', values: drills.map((d) => d.drill.detectionMs) },
          { name: 'reconvergence ms', values: drills.map((d) => d.drill.reconvergeMs) },
        ],
      }),
    });
    charts.push({
      id: 'drill-timeline',
      title: 'Drill timelines: routes lost over time',
      caption: '(node, prefix) pairs missing from kernel FIBs, seconds from the fault.',
      svg: lineChart({
        id: 'chart-drill-timeline',
        title: 'Routes lost during drills',
        xLabel: 's from fault',
        yLabel: 'routes lost',
        series: drills.map((d, i) => ({
          name: cats[i],
          style: 'line' as const,
          points: d.drill.series.map((s) => ({ x: s.tMs / 1000, y: s.routesLost })),
        })),
      }),
    });
  }
  return charts;
}
