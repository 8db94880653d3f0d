/* lucid-sdk.h compiles on its own */
#include <lucid/lucid-sdk.h>
int main(void);
int main(void)
{
	return 0;
}
