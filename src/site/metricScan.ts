/** The site's view of a metric file: its latest value and its number of points, in one scan. */
export { scanMetricText as scanMetric, type MetricScan } from '../format/metricFile.js';
