import { replaceIndexKeyMessages } from './rewrap-index-keys';

describe('replaceIndexKeyMessages', () => {
  it('replaces message lines in order and keeps comments, blank lines and the final newline', () => {
    const text = '# prisma-kms index key version 1\nOLD1=\n\n# version 2\r\n  OLD2=  \n';
    expect(replaceIndexKeyMessages(text, ['NEW1=', 'NEW2='])).toBe('# prisma-kms index key version 1\nNEW1=\n\n# version 2\nNEW2=\n');
  });

  it('refuses a count that does not match the message lines', () => {
    expect(() => replaceIndexKeyMessages('A=\nB=\n', ['X='])).toThrow(/fewer messages/);
    expect(() => replaceIndexKeyMessages('A=\n', ['X=', 'Y='])).toThrow(/more messages/);
  });
});
