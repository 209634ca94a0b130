import { useState } from 'preact/hooks';

/** Props of {@link LoginView}. */
export interface LoginViewProps {
  readonly message: string | undefined;
  readonly onToken: (token: string) => void;
}

/** Asks for an API token (kept in this tab's sessionStorage only, sent as a bearer token). */
export function LoginView({ message, onToken }: LoginViewProps) {
  const [token, setToken] = useState('');
  return (
    <main id="main" class="login">
      <h1>homeostat console</h1>
      <form onSubmit={(e) => {
        e.preventDefault();
        if (token.trim()) onToken(token.trim());
      }}>
        <div class="field">
          <label for="token">API token</label>
          <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} aria-describedby="token-hint" required />
          <small id="token-hint" class="hint">A token from HOMEOSTAT_TOKENS, or a JWT. It stays in this tab until you close it or log out.</small>
        </div>
        {message && <p class="error" role="alert">{message}</p>}
        <div class="buttons"><button type="submit" class="primary">Log in</button></div>
      </form>
    </main>
  );
}
