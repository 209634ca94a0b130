/**
 * The ports fetch never connects to (the WHATWG fetch standard's "bad ports", which Node's fetch applies): a
 * feed on one fails every poll with "bad port", before any connection. Checked against Node 20's fetch.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389,
  427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
  6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Why a URL's port cannot be fetched, or undefined: `port 6000 is one fetch never connects to (...)`. */
export function badPortProblem(url: URL): string | undefined {
  const port = Number(url.port);
  if (url.port === '' || !FETCH_BAD_PORTS.has(port)) return undefined;
  return `port ${port} is one fetch never connects to (the fetch standard's "bad ports", such as 6000, 6665-6669 and 10080, which Node's fetch refuses before connecting): serve the endpoint on another port`;
}
