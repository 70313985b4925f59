// Public surface of src/inventory: native and Ansible/Kubespray inventories → model Inventory.
export { readInventory, parseInventory, type InventoryResult } from './parse.js';
export { readInventoryFile, loadInventory } from './load.js';
export { hashInventory } from './resolve.js';
export { isAnsibleInventory } from './ansible.js';
export { etcdDeploymentFit } from './deployment-fit.js';
export { readAnsibleVarFiles } from './ansible-vars.js';
