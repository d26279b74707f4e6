/**
 * Daily availability as an ECharts calendar heat map (calendar coordinate + heatmap series, a hidden
 * piecewise visual map for the colours of format/analytics.ts), Monday first, the day of the month
 * in each cell. The tooltip gives up / down / no data / maintenance time and coverage (HTML: every
 * string through `format.encodeHTML`). With `onDay`, clicking a day calls it.
 */
import { useEffect, useRef } from 'react';
import { HeatmapChart, type HeatmapSeriesOption } from 'echarts/charts';
import { CalendarComponent, TooltipComponent, VisualMapPiecewiseComponent, type CalendarComponentOption, type TooltipComponentOption, type VisualMapComponentOption } from 'echarts/components';
import { format, init, use as registerEcharts, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { AvailabilityRow } from '../../../../contracts/hq-analytics.ts';
import { AVAILABILITY_BANDS, CALENDAR, calendarLayout, calendarValue, hoursMinutes, NO_DATA_COLOUR, NONE_COLOUR, pct, weekdayName } from '../format/analytics.ts';
import { useI18n, type Locale, type Translate } from '../i18n/I18n.tsx';

registerEcharts([HeatmapChart, CalendarComponent, TooltipComponent, VisualMapPiecewiseComponent, CanvasRenderer]);

type Option = ComposeOption<HeatmapSeriesOption | CalendarComponentOption | TooltipComponentOption | VisualMapComponentOption>;
type Day = AvailabilityRow['days'][number];

const esc = (s: string) => format.encodeHTML(s);

function tooltip(d: Day, t: Translate, locale: Locale): string {
  const head = `<b>${esc(d.day)} ${esc(weekdayName(d.day, locale))}</b>`;
  if (d.promisedMs - d.maintenanceMs <= 0 && d.maintenanceMs === 0) return `${head}<br/>${esc(t('av.none'))}`;
  const line = (key: 'av.up' | 'av.down' | 'av.noData' | 'av.maintenance', ms: number) => `${esc(t(key))}: ${esc(hoursMinutes(ms, locale))}`;
  return [
    head,
    `${esc(t('av.tip.availability', { v: pct(d.availability) }))} · ${esc(t('av.tip.coverage', { v: pct(d.coverage) }))}`,
    line('av.up', d.upMs),
    line('av.down', d.downMs),
    line('av.noData', d.noDataMs),
    line('av.maintenance', d.maintenanceMs),
  ].join('<br/>');
}

/** dark text on the light cells, white on the dark ones */
const labelColour = (v: number) => (v === -2 || (v >= 0.95 && v < 0.995) ? '#3a4654' : '#ffffff');

export function AvailabilityCalendar({ from, to, days, onDay }: { from: string; to: string; days: Day[]; onDay?: (day: string) => void }) {
  const { t, locale } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const onDayRef = useRef(onDay);
  onDayRef.current = onDay;
  const size = calendarLayout(from, to);

  useEffect(() => {
    const el = box.current!;
    const c = init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => {
      const day = (p.data as { day?: string } | undefined)?.day;
      if (day && onDayRef.current) onDayRef.current(day);
    });
    return () => {
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const byDay = new Map(days.map((d) => [d.day, d]));
    const option: Option = {
      animation: false,
      tooltip: { trigger: 'item', confine: true, formatter: (p: unknown) => tooltip(byDay.get((p as { data: { day: string } }).data.day)!, t, locale) },
      visualMap: {
        type: 'piecewise',
        show: false,
        dimension: 1,
        pieces: [
          { value: -2, color: NONE_COLOUR },
          { value: -1, color: NO_DATA_COLOUR },
          ...AVAILABILITY_BANDS.map((b, i) => ({ gte: b.min, ...(i + 1 < AVAILABILITY_BANDS.length ? { lt: AVAILABILITY_BANDS[i + 1]!.min } : { lte: 1 }), color: b.colour })),
        ],
      },
      calendar: {
        left: CALENDAR.left,
        top: CALENDAR.top,
        cellSize: [size.cell, size.cell],
        range: [from, to],
        orient: 'horizontal',
        splitLine: { show: true, lineStyle: { color: '#8796a5', width: 1.5 } },
        itemStyle: { color: '#ffffff', borderColor: '#eef1f4', borderWidth: 1 },
        dayLabel: { firstDay: 1, nameMap: locale === 'en' ? 'EN' : 'ZH', color: '#7a8796', fontSize: 11, margin: 8 },
        monthLabel: { nameMap: locale === 'en' ? 'EN' : 'ZH', color: '#4f5d6c', fontSize: 12, margin: 8 },
        yearLabel: { show: false },
      },
      series: [
        {
          type: 'heatmap',
          coordinateSystem: 'calendar',
          itemStyle: { borderColor: '#ffffff', borderWidth: 2, borderRadius: 3 },
          emphasis: { itemStyle: { borderColor: '#1d2733', borderWidth: 2 } },
          label: {
            show: true,
            fontSize: size.cell >= 34 ? 11 : 10,
            formatter: (p: unknown) => String(Number((p as { data: { day: string } }).data.day.slice(8))),
          },
          cursor: onDay ? 'pointer' : 'default',
          data: days.map((d) => {
            const v = calendarValue(d);
            return { value: [d.day, v], day: d.day, label: { color: labelColour(v) } };
          }),
        },
      ],
    };
    c.resize();
    c.setOption(option, { notMerge: true });
  });

  return (
    <div
      ref={box}
      className="calendar"
      style={{ width: size.width, height: size.height }}
      data-chart="availability-calendar"
      data-from={from}
      data-to={to}
      data-days={days.length}
      data-clickable={onDay ? 'true' : 'false'}
      role="img"
      aria-label={t('av.calendar')}
    />
  );
}
