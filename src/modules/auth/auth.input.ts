import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { ApiToken } from './api-token.entity';
import { Role, User } from './user.entity';

@InputType()
export class CreateUserInput {
  @Field() @MaxLength(254) email!: string;
  @Field() @MaxLength(200) name!: string;
  @Field({ description: 'At least 8 characters.' }) @MaxLength(200) password!: string;
  @Field(() => Role) role!: Role;
}

@InputType()
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for, e.g. "CRM integration".' }) @MaxLength(200) name!: string;
  @Field(() => Int, {
    nullable: true,
    description:
      'Days until it expires: at most API_TOKEN_MAX_DAYS (90 by default), which is also what a token made without it gets.',
  })
  @IsOptional()
  expiresInDays?: number;
}

@ObjectType()
export class LoginResult {
  @Field({ description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => User) user!: User;
}

@ObjectType()
export class CreatedApiToken {
  @Field({ description: 'Shown only now; store it safely.' }) token!: string;
  @Field(() => ApiToken) apiToken!: ApiToken;
}

@ObjectType()
export class PasswordReset {
  @Field({
    description: 'The new password, shown only now: hand it to the user, who should change it with changePassword.',
  })
  password!: string;
  @Field(() => User) user!: User;
}
