import type { ProviderAdapter } from './adapter';
import { ProviderId } from './catalog.types';
import { adapter as dotpay } from './dotpay';
import { adapter as genericHttp } from './generic-http';
import { adapter as justsend } from './justsend';
import { adapter as mobitex } from './mobitex';
import { adapter as multiinfo } from './multiinfo';
import { adapter as peoplefone } from './peoplefone';
import { adapter as serwersms } from './serwersms';
import { adapter as smsapi } from './smsapi';
import { adapter as telecube } from './telecube';

/** Tide and 3S publish no API spec: their mailboxes are driven by the generic HTTP adapter. */
const ADAPTERS: Record<ProviderId, ProviderAdapter> = {
  [ProviderId.SMSAPI]: smsapi,
  [ProviderId.SERWERSMS]: serwersms,
  [ProviderId.JUSTSEND]: justsend,
  [ProviderId.TELECUBE]: telecube,
  [ProviderId.DOTPAY]: dotpay,
  [ProviderId.MULTIINFO]: multiinfo,
  [ProviderId.PEOPLEFONE]: peoplefone,
  [ProviderId.MOBITEX]: mobitex,
  [ProviderId.TIDE]: { ...genericHttp, id: ProviderId.TIDE },
  [ProviderId.THREE_S]: { ...genericHttp, id: ProviderId.THREE_S },
  [ProviderId.GENERIC_HTTP]: genericHttp,
};

export function adapterFor(id: ProviderId): ProviderAdapter {
  return ADAPTERS[id];
}
