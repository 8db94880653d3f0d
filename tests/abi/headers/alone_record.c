/* record.h compiles on its own */
#include <lucid/record.h>
int main(void);
int main(void)
{
	return 0;
}
