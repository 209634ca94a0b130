const root = process.argv[2];
const { swimRun } = await import(`${root}/bench/swim-experiment.ts`);
for (const file of ['examples/swim/homeostat.yaml', 'examples/swim/homeostat-predictive.yaml']) {
  for (const delay of [60, 180]) console.log(file, delay, JSON.stringify(await swimRun(file, delay, 1)));
}
