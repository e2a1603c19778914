import { usePageTitle } from '../../ui/title';

export function RulesScreen() {
  usePageTitle('Message rules');
  return <h1>Message rules</h1>;
}

export function QueuesScreen() {
  usePageTitle('Queues and users');
  return <h1>Queues and users</h1>;
}

export function SettingsScreen() {
  usePageTitle('System parameters');
  return <h1>System parameters</h1>;
}
