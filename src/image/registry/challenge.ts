/** WWW-Authenticate challenges (RFC 9110 §11.6.1), as registries send them. Pure. */

export interface Challenge {
  /** Lower-cased: "bearer", "basic". */
  scheme: string;
  params: Record<string, string>;
}

/** Parses one header value, which may hold several challenges. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const ws = () => { while (i < header.length && /[\s,]/.test(header[i])) i++; };
  const token = () => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(header.slice(i));
    if (!m) return "";
    i += m[0].length;
    return m[0];
  };
  while (i < header.length) {
    ws();
    const scheme = token();
    if (!scheme) break;
    const c: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(c);
    for (;;) {
      ws();
      const save = i;
      const key = token();
      while (header[i] === " ") i++;
      if (!key || header[i] !== "=") { i = save; break; }
      i++;
      while (header[i] === " ") i++;
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < header.length) i++;
          value += header[i++];
        }
        i++;
      } else {
        value = token();
      }
      c.params[key.toLowerCase()] = value;
    }
  }
  return out;
}

/** The challenge to answer: Bearer before Basic. */
export function preferredChallenge(headers: string[]): Challenge | undefined {
  const all = headers.flatMap(parseChallenges);
  return all.find((c) => c.scheme === "bearer") ?? all.find((c) => c.scheme === "basic");
}
