import { topicOf } from '@eventide/messaging';
import { policyOn, type Policy } from '@eventide/service-host';
import { MasterChanged } from '@gasstation/contracts';
import { followMaster } from '../domain/sale.ts';
import { posUnit } from './pos-tables.ts';

/**
 * The menu follows the station's product master (wheneverMasterChanged_ChangeMenu). The original
 * skipped an empty productId; here the contract refuses one before the policy runs.
 */
export function posPolicies(system: string): Policy[] {
  return [
    policyOn(MasterChanged, {
      name: 'changeMenuOnMasterChanged',
      topics: [topicOf(system, 'station')],
      handle: (changed, { trx, emit }) => posUnit(trx, emit).menus.save(followMaster(changed)),
    }),
  ];
}
