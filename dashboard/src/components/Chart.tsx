// A minimal echarts wrapper: one chart drawn on a canvas from an `option`, resized with its box,
// disposed on unmount. echarts is imported modularly (bar, line, pie; grid, tooltip, legend; canvas)
// so a page that draws charts pulls in only these parts, and only when it is loaded (pages are lazy).

import { useEffect, useRef } from 'react';
import { init, use } from 'echarts/core';
import type { ComposeOption, EChartsType } from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** The options this wrapper can draw: bar, line and pie series with a grid, a tooltip and a legend. */
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

export function Chart({ option, height = 280, 'data-testid': testId }: { option: ChartOption; height?: number; 'data-testid'?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const instance = init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={box} style={{ width: '100%', height }} data-testid={testId} />;
}
