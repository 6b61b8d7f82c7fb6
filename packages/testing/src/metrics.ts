/**
 * The value of a Prometheus metric in a text exposition (a service's `/metrics`), summed over its
 * label sets; 0 when it is absent.
 */
export const metricSum = (exposition: string, name: string): number =>
  exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
