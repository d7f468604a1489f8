/**
 * Which namespaces hold live items: a count of items that never expire and the expiries of
 * the others, per namespace. Built by one scan, then kept up to date by every write, so
 * `listNamespaces` does not scan again and never lists a namespace whose items all expired.
 */

/** The items of one namespace. */
interface NamespaceItems {
  permanent: number;
  /** Expiry (ms) -> number of items with it. */
  expiring: Map<number, number>;
}

/** Live items per encoded namespace. */
export class NamespaceIndex {
  private readonly byNamespace = new Map<string, NamespaceItems>();

  /** Counts one item of `namespace` (encoded) with this expiry (null: never expires). */
  add(namespace: string, expiresAt: number | null): void {
    let items = this.byNamespace.get(namespace);
    if (!items) {
      items = { permanent: 0, expiring: new Map() };
      this.byNamespace.set(namespace, items);
    }
    if (expiresAt === null) items.permanent++;
    else items.expiring.set(expiresAt, (items.expiring.get(expiresAt) ?? 0) + 1);
  }

  /** Uncounts one item that {@link add} counted with the same expiry. */
  remove(namespace: string, expiresAt: number | null): void {
    const items = this.byNamespace.get(namespace);
    if (!items) return;
    if (expiresAt === null) items.permanent = Math.max(0, items.permanent - 1);
    else {
      const n = (items.expiring.get(expiresAt) ?? 0) - 1;
      if (n > 0) items.expiring.set(expiresAt, n);
      else items.expiring.delete(expiresAt);
    }
    if (items.permanent === 0 && items.expiring.size === 0) this.byNamespace.delete(namespace);
  }

  /** The encoded namespaces that hold at least one item not expired at `now`. */
  live(now: number): string[] {
    const out: string[] = [];
    for (const [namespace, items] of this.byNamespace) {
      if (items.permanent > 0 || [...items.expiring.keys()].some((t) => t > now)) out.push(namespace);
    }
    return out;
  }
}
