// The catalogs of every network this engine serves, and the index from terminal id to its network.
// Replaced whole on import (copy-on-write), so a decision always sees one consistent version.

import type { NetworkCatalog, TerminalInfo } from './catalog.js';

export class Catalogs {
  private networks = new Map<string, NetworkCatalog>();
  private terminals = new Map<string, TerminalInfo>();
  private siteOwners = new Map<string, string>();

  network(id: string): NetworkCatalog | undefined {
    return this.networks.get(id);
  }

  terminal(id: string): TerminalInfo | undefined {
    return this.terminals.get(id);
  }

  /** The network a site id belongs to. */
  siteOwner(siteId: string): string | undefined {
    return this.siteOwners.get(siteId);
  }

  all(): Iterable<NetworkCatalog> {
    return this.networks.values();
  }

  /** Installs a network's catalog; returns the ids of terminals whose details changed. */
  install(catalog: NetworkCatalog): string[] {
    const previous = this.networks.get(catalog.id);
    const networks = new Map(this.networks);
    networks.set(catalog.id, catalog);
    const terminals = new Map(this.terminals);
    const changed: string[] = [];
    if (previous) {
      for (const id of previous.terminals.keys()) {
        if (!catalog.terminals.has(id)) {
          terminals.delete(id);
          changed.push(id);
        }
      }
    }
    for (const [id, info] of catalog.terminals) {
      const before = terminals.get(id);
      if (before && before.networkId !== catalog.id) continue; // a terminal id belongs to the first network that claimed it
      if (!before || before.siteId !== info.siteId || before.status !== info.status || before.kind !== info.kind) changed.push(id);
      terminals.set(id, info);
    }
    const siteOwners = new Map(this.siteOwners);
    for (const siteId of previous?.sites.keys() ?? []) if (siteOwners.get(siteId) === catalog.id) siteOwners.delete(siteId);
    for (const siteId of catalog.sites.keys()) if (!siteOwners.has(siteId)) siteOwners.set(siteId, catalog.id);
    this.networks = networks;
    this.terminals = terminals;
    this.siteOwners = siteOwners;
    return changed;
  }
}
