/**
 * The kiosk's last 24 hours in ECharts (modular import: custom series, grid, tooltip, canvas).
 * Tooltips are HTML, so every string in them goes through `format.encodeHTML`.
 */
import { useEffect, useRef } from 'react';
import { CustomChart, type CustomSeriesOption } from 'echarts/charts';
import { GridComponent, TooltipComponent, type GridComponentOption, type TooltipComponentOption } from 'echarts/components';
import { format, graphic, init, use as registerEcharts, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { KioskDetail } from '../../../../contracts/hq-api.ts';
import { clockTime, shortTime } from '../format/time.ts';
import { buildTimeline, TIMELINE_GRID, TIMELINE_WINDOW_MS, type Segment } from '../format/timeline.ts';
import { faultText } from '../i18n/faults.ts';
import { useI18n, type Locale, type Translate } from '../i18n/I18n.tsx';

registerEcharts([CustomChart, GridComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<CustomSeriesOption | GridComponentOption | TooltipComponentOption>;

const esc = (s: string) => format.encodeHTML(s);

function stateLabel(state: string, t: Translate): string {
  const known = ['in-service', 'degraded', 'out-of-service', 'out-of-hours', 'maintenance', 'locked', 'offline'] as const;
  return (known as readonly string[]).includes(state) ? t(`state.${state as (typeof known)[number]}`) : state;
}

function tooltip(s: Segment, t: Translate, locale: Locale): string {
  const to = s.open ? t('timeline.now') : shortTime(new Date(s.end).toISOString());
  const span = `${esc(shortTime(new Date(s.start).toISOString()))} → ${esc(to)}`;
  if (s.kind === 'state') return `<b>${esc(stateLabel(s.what, t))}</b><br/>${span}`;
  const a = s.alarm!;
  const lines = [`<b>${esc(faultText(a.code, locale))}</b> ${a.count > 1 ? `×${a.count}` : ''}`, `${esc(a.code)} · ${esc(t(`severity.${a.severity}`))}`, span];
  if (a.detail) lines.push(esc(a.detail));
  return lines.join('<br/>');
}

export function AlarmTimeline({ detail }: { detail: Pick<KioskDetail, 'state' | 'history' | 'alarms'> }) {
  const { t, locale } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const tl = buildTimeline(detail, Date.now(), TIMELINE_WINDOW_MS);
  const rows = [t('timeline.state'), ...tl.codes.map((c) => faultText(c, locale))];
  const height = TIMELINE_GRID.top + TIMELINE_GRID.bottom + rows.length * TIMELINE_GRID.row;

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
    const option: Option = {
      animation: false,
      grid: { top: TIMELINE_GRID.top, bottom: TIMELINE_GRID.bottom, left: TIMELINE_GRID.left, right: TIMELINE_GRID.right },
      tooltip: { trigger: 'item', confine: true, formatter: (p: unknown) => tooltip((p as { data: { seg: Segment } }).data.seg, t, locale) },
      xAxis: {
        type: 'time',
        min: tl.from,
        max: tl.to,
        splitNumber: 8,
        axisLabel: { color: '#5b6775', fontSize: 11, hideOverlap: true, formatter: (v: number) => clockTime(v).slice(0, 5) },
        splitLine: { show: true, lineStyle: { color: '#eef1f4' } },
        axisLine: { lineStyle: { color: '#c9d1da' } },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows,
        axisTick: { show: false },
        axisLine: { lineStyle: { color: '#c9d1da' } },
        axisLabel: { color: '#2b3541', fontSize: 12, width: TIMELINE_GRID.left - 16, overflow: 'truncate' },
        splitLine: { show: true, lineStyle: { color: '#f1f3f6' } },
      },
      series: [
        {
          type: 'custom',
          encode: { x: [1, 2], y: 0 },
          renderItem: (params, api) => {
            const row = api.value(0) as number;
            const a = api.coord([api.value(1), row]) as number[];
            const b = api.coord([api.value(2), row]) as number[];
            const h = (api.size!([0, 1]) as number[])[1]! * 0.62;
            const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number };
            const shape = graphic.clipRectByRect({ x: a[0]!, y: a[1]! - h / 2, width: Math.max(b[0]! - a[0]!, 3), height: h }, cs);
            return shape ? { type: 'rect', shape: { ...shape, r: 2 }, style: api.style() } : null;
          },
          data: tl.segments.map((s) => ({ value: [s.row, s.start, s.end], itemStyle: { color: s.colour, opacity: s.kind === 'alarm' && s.alarm?.status.endsWith('-ack') ? 0.55 : 1 }, seg: s })),
        },
      ],
    };
    c.resize();
    c.setOption(option, { notMerge: true });
  });

  return <div ref={box} className="timeline" style={{ height }} data-chart="alarm-timeline" data-rows={rows.length} role="img" aria-label={t('kiosk.timeline')} />;
}
