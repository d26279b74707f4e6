/**
 * A service's funnel in ECharts: how many sessions reached each step, in the flow's order (never
 * re-sorted), widths relative to the first step, labelled on the right with the count and the share
 * of the first step. The chart's box lists its steps in `data-funnel-steps` for tests and readers.
 */
import { useEffect, useRef } from 'react';
import { FunnelChart as EFunnel, type FunnelSeriesOption } from 'echarts/charts';
import { TooltipComponent, type TooltipComponentOption } from 'echarts/components';
import { format, init, use as registerEcharts, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { pct } from '../format/analytics.ts';
import { useI18n } from '../i18n/I18n.tsx';

registerEcharts([EFunnel, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<FunnelSeriesOption | TooltipComponentOption>;

/** px per step: the chart grows with the flow */
export const FUNNEL_ROW = 34;
const COLOURS = ['#1f66c1', '#2f78cf', '#4a8bd8', '#669fe0', '#83b2e7', '#a0c5ee', '#bdd7f4', '#d6e6f8'];

export function FunnelChart({ steps, label }: { steps: { step: string; name: string; reached: number }[]; label: string }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const first = steps[0]?.reached ?? 0;
  const height = Math.max(2, steps.length) * FUNNEL_ROW + 16;

  useEffect(() => {
    const el = box.current!;
    const c = init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const share = (n: number) => (first > 0 ? pct(n / first, 0) : '—');
    const option: Option = {
      animation: false,
      tooltip: {
        trigger: 'item',
        confine: true,
        formatter: (p: unknown) => {
          const d = (p as { data: { name: string; value: number } }).data;
          return `<b>${format.encodeHTML(d.name)}</b><br/>${format.encodeHTML(t('ft.reached', { n: d.value, p: share(d.value) }))}`;
        },
      },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          min: 0,
          max: Math.max(1, first),
          minSize: '4%',
          left: 8,
          top: 8,
          bottom: 8,
          width: '52%',
          gap: 2,
          funnelAlign: 'left',
          label: {
            show: true,
            position: 'right',
            color: '#2b3541',
            fontSize: 12,
            formatter: (p: unknown) => {
              const d = p as { name: string; value: number };
              return `{step|${d.name}}  {n|${d.value}}  {p|${share(d.value)}}`;
            },
            rich: { step: { color: '#4f5d6c', fontSize: 12 }, n: { color: '#1d2733', fontWeight: 'bold', fontSize: 13 }, p: { color: '#7a8796', fontSize: 12 } },
          },
          labelLine: { show: true, length: 12, lineStyle: { color: '#c9d1da' } },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          data: steps.map((s, i) => ({ name: s.name, value: s.reached, itemStyle: { color: COLOURS[Math.min(i, COLOURS.length - 1)] } })),
        },
      ],
    };
    c.resize();
    c.setOption(option, { notMerge: true });
  });

  return (
    <div
      ref={box}
      className="funnel"
      style={{ height }}
      data-chart="funnel"
      data-funnel-steps={steps.map((s) => `${s.step}:${s.reached}`).join(',')}
      role="img"
      aria-label={`${label}: ${steps.map((s) => `${s.name} ${s.reached}`).join(', ')}`}
    />
  );
}
