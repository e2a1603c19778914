import { listOf } from '../../../ui/lists';
import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors } from '../../../errors';
import { graphql } from '../../../gql';
import type { SettingsCurrentQuery } from '../../../gql/graphql';
import { ErrorBanner, Loading, Notice } from '../../../ui/feedback';
import { SelectField, TextField } from '../../../ui/fields';
import { usePageTitle } from '../../../ui/title';

const SETTINGS = graphql(`
  query SettingsCurrent {
    settings {
      defaultSmsGateway {
        id
        name
      }
      optOutKeywords
      optInKeywords
    }
    gateways {
      id
      name
    }
  }
`);

const UPDATE_SETTINGS = graphql(`
  mutation SettingsUpdate($input: SettingsInput!) {
    updateSettings(input: $input) {
      defaultSmsGateway {
        id
        name
      }
      optOutKeywords
      optInKeywords
    }
  }
`);

/** The SettingsInput fields the form has. */
const FIELDS = ['defaultSmsGatewayId', 'optOutKeywords', 'optInKeywords'] as const;

/** System parameters: the default SMS mailbox and the opt-out and opt-in keywords. */
export function SettingsScreen() {
  usePageTitle('System parameters');
  const { data, error } = useQuery(SETTINGS);
  return (
    <>
      <h1>System parameters</h1>
      <ErrorBanner error={error} />
      {data ? <SettingsForm current={data} /> : !error && <Loading />}
    </>
  );
}

function SettingsForm({ current }: { current: SettingsCurrentQuery }) {
  const { settings, gateways } = current;
  const [gatewayId, setGatewayId] = useState(settings.defaultSmsGateway?.id ?? '');
  const [optOut, setOptOut] = useState(settings.optOutKeywords.join(', '));
  const [optIn, setOptIn] = useState(settings.optInKeywords.join(', '));
  const [update, { loading }] = useMutation(UPDATE_SETTINGS);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const { byField, banner } = formErrors(error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      const input = {
        defaultSmsGatewayId: gatewayId || null,
        optOutKeywords: listOf(optOut),
        optInKeywords: listOf(optIn),
      };
      const { data } = await update({ variables: { input } });
      if (data) {
        // The API's own form of the lists (trimmed), so that what is shown is what is stored.
        setOptOut(data.updateSettings.optOutKeywords.join(', '));
        setOptIn(data.updateSettings.optInKeywords.join(', '));
      }
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label="System parameters" noValidate>
      <ErrorBanner error={banner} />
      <SelectField
        label="Default SMS mailbox"
        value={gatewayId}
        error={byField.defaultSmsGatewayId}
        help="The mailbox an SMS is sent from when none is chosen."
        onChange={(e) => setGatewayId(e.target.value)}
      >
        <option value="">None</option>
        {gateways.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Opt-out keywords (comma separated list)"
        className="wide"
        value={optOut}
        error={byField.optOutKeywords}
        help="An SMS whose whole text is one of these opts its number out of every SMS from us (case, diacritics and trailing punctuation do not matter)."
        onChange={(e) => setOptOut(e.target.value)}
      />
      <TextField
        label="Opt-in keywords (comma separated list)"
        className="wide"
        value={optIn}
        error={byField.optInKeywords}
        help="An SMS whose whole text is one of these opts its number back in. No keyword may be in both lists."
        onChange={(e) => setOptIn(e.target.value)}
      />
      {saved && <Notice>System parameters saved.</Notice>}
      <div className="actions">
        <button type="submit" className="primary" disabled={loading}>
          Save
        </button>
      </div>
    </form>
  );
}
