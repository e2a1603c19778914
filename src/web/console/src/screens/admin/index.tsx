export { RulesScreen } from './rules/RulesScreen';
export { QueuesScreen } from './queues/QueuesScreen';
export { SettingsScreen } from './settings/SettingsScreen';
