import { render } from 'preact';
import { localizeDocument } from '../src/i18n';
import { App } from './app';
import '../src/ui/theme.css';
import './options.css';

localizeDocument();
const root = document.getElementById('app');
if (root) render(<App />, root);
